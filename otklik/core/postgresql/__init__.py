"""Django's PostgreSQL backend with a health check that costs no round trip on a connection in steady use
(`base.DatabaseWrapper`); settings name it as the ENGINE of every PostgreSQL database."""
