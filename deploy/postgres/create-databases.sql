-- Runs once, when the docker-compose PostgreSQL volume is first initialised: each service that
-- owns data gets its own database, as each gets its own instance on AWS.
CREATE DATABASE api;
CREATE DATABASE clearinghouse;
