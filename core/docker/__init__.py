"""The only package that talks to the Docker SDK. Everything else calls its functions."""
