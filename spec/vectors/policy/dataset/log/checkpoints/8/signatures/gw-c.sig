— assay/assay-policy-vectors 736ga7WGa1U+0H4Q7YiSogeYYe1yaaDwnPoAJhJSkbS+/qh1uiOgIbQy+7yTsJG9iucI6xljoiU+KQAgAsmCk4tgoQE=
