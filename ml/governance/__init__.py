"""Model governance: registry, scheduled review, bias monitoring and sales feedback labels."""
