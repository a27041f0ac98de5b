"""the insertion offer on the data·inclusion schema, and the people's needs

The organisations' free service codes become data·inclusion services: codes that are thematics or
categories of the national vocabulary become the thematics of one service per organisation; codes that
are not are kept in that service's description, so nothing written before is lost.

Revision ID: 0007_offer_needs
Revises: 0004
Create Date: 2026-12-05 16:40:00
"""
import json
import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007_offer_needs'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A fixed namespace: the service made from an organisation's former codes has a reproducible id.
_LEGACY = uuid.UUID('0b9f6a54-3f43-5c7e-9d8c-6f0c4f9a2e11')


def upgrade() -> None:
    op.create_table(
        'offer_services',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('organisation_id', sa.UUID(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('thematiques', postgresql.ARRAY(sa.String(length=120)), nullable=False),
        sa.Column('publics', postgresql.ARRAY(sa.String(length=60)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('zone', postgresql.ARRAY(sa.String(length=10)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('code_insee', sa.String(length=5), nullable=True),
        sa.Column('epci', sa.String(length=9), nullable=True),
        sa.Column('departement', sa.String(length=3), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('capacity_status', sa.String(length=20), server_default='open', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['organisation_id'], ['organisations.id'], name=op.f('fk_offer_services_organisation_id_organisations')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_services')),
    )
    op.create_index(op.f('ix_offer_services_organisation_id'), 'offer_services', ['organisation_id'])
    op.create_index('ix_offer_services_thematiques', 'offer_services', ['thematiques'], postgresql_using='gin')
    op.create_index('ix_offer_services_place', 'offer_services', ['departement', 'epci', 'code_insee'])
    op.create_table(
        'jobseeker_needs',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('jobseeker_id', sa.UUID(), nullable=False),
        sa.Column('thematique', sa.String(length=120), nullable=False),
        sa.Column('identified_on', sa.Date(), nullable=False),
        sa.Column('identified_by_org_id', sa.UUID(), nullable=False),
        sa.Column('lifted_on', sa.Date(), nullable=True),
        sa.Column('lifted_by_org_id', sa.UUID(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['jobseeker_id'], ['jobseekers.id'], name=op.f('fk_jobseeker_needs_jobseeker_id_jobseekers')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobseeker_needs')),
    )
    op.create_index('ix_jobseeker_needs_person', 'jobseeker_needs', ['jobseeker_id', 'identified_on'])
    op.create_index(
        'uq_jobseeker_needs_open',
        'jobseeker_needs',
        ['jobseeker_id', 'thematique'],
        unique=True,
        postgresql_where=sa.text('lifted_on IS NULL'),
    )
    _migrate_free_codes()
    op.drop_column('organisations', 'services')


def _migrate_free_codes() -> None:
    from data_inclusion.schema.v1 import Categorie, Service, Thematique

    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, name, departement, services FROM organisations WHERE cardinality(services) > 0")
    ).all()
    insert = sa.text(
        "INSERT INTO offer_services (id, organisation_id, name, document, thematiques, departement) "
        "VALUES (:id, :org, :name, CAST(:document AS jsonb), :thematiques, :departement)"
    )
    for org_id, name, departement, codes in rows:
        thematiques: list[str] = []
        for code in codes:
            if code in Thematique._value2member_map_:
                thematiques.append(code)
            elif code in Categorie._value2member_map_:
                thematiques.extend(t.value for t in Thematique if t.value.startswith(code + '--'))
        others = [c for c in codes if c not in Thematique._value2member_map_ and c not in Categorie._value2member_map_]
        service_id = uuid.uuid5(_LEGACY, str(org_id))
        description = f"Services de {name} repris de l'annuaire précédent."
        if others:
            description += " Codes d'origine non reconnus : " + ", ".join(others) + "."
        document = Service(
            source='relais',
            structure_id=str(org_id),
            id=str(service_id),
            nom=f"Services de {name}"[:150],
            description=description,
            date_maj=date.today(),
            thematiques=sorted(set(thematiques)) or None,
        ).model_dump(mode='json')
        bind.execute(
            insert,
            {
                'id': service_id,
                'org': org_id,
                'name': document['nom'],
                'document': json.dumps(document),
                'thematiques': sorted(set(thematiques)),
                'departement': departement,
            },
        )


def downgrade() -> None:
    op.add_column(
        'organisations',
        sa.Column('services', postgresql.ARRAY(sa.String(length=60)), server_default=sa.text("'{}'"), nullable=False),
    )
    op.drop_index('uq_jobseeker_needs_open', table_name='jobseeker_needs', postgresql_where=sa.text('lifted_on IS NULL'))
    op.drop_index('ix_jobseeker_needs_person', table_name='jobseeker_needs')
    op.drop_table('jobseeker_needs')
    op.drop_index('ix_offer_services_place', table_name='offer_services')
    op.drop_index('ix_offer_services_thematiques', table_name='offer_services', postgresql_using='gin')
    op.drop_index(op.f('ix_offer_services_organisation_id'), table_name='offer_services')
    op.drop_table('offer_services')
