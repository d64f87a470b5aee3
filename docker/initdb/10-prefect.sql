-- Prefect keeps its run history in its own database beside the catalogue.
CREATE DATABASE prefect OWNER guangying;
