# One image for every Relais service; docker-compose.yml picks the process with `command`.
# The official administrative division data (communes, EPCI), read by the referral service at run time.
FROM node:20-slim AS territory
WORKDIR /tools
COPY deploy/tools/package.json deploy/tools/package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/relais
# Pango (and its fonts) for weasyprint: the referral service renders a person's data export as a PDF.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY shared ./shared
COPY services ./services
COPY contracts ./contracts
COPY --from=territory /tools/node_modules/@etalab/decoupage-administratif/data \
    ./deploy/tools/node_modules/@etalab/decoupage-administratif/data
# The portal serves the State design system, its charts and htmx itself (no CDN).
COPY --from=territory /tools/node_modules/@gouvfr/dsfr/dist ./deploy/tools/node_modules/@gouvfr/dsfr/dist
COPY --from=territory /tools/node_modules/@gouvfr/dsfr-chart/dist ./deploy/tools/node_modules/@gouvfr/dsfr-chart/dist
COPY --from=territory /tools/node_modules/htmx.org/dist ./deploy/tools/node_modules/htmx.org/dist
# Bytecode compiled at build time: the Temporal sandbox imports a workflow's module for every workflow.
RUN uv sync --locked --no-dev --compile-bytecode \
    && /opt/relais/bin/python -m compileall -q shared services
ENV PATH="/opt/relais/bin:$PATH" RELAIS_HOME=/app RELAIS_BIND=0.0.0.0
RUN useradd --system --uid 10001 relais
USER relais
EXPOSE 8100 8101 8102 8103 8104
CMD ["referral-api"]
