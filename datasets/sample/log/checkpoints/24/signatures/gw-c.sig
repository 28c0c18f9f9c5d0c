— assay/assay-demo z4hh9F9osBqu/lgoIa0A4tEGqVNLeu16bO/+rXTO7XZCSRikaZg4ymjBJ+cV9IslE4c/B/O8EnQKzKJetqXXeo8AHQQ=
