-- One database per service (each service owns its data), plus Temporal's own.
CREATE DATABASE relais_referral;
CREATE DATABASE relais_clauses;
CREATE DATABASE relais_training;
CREATE DATABASE relais_evaluation;
