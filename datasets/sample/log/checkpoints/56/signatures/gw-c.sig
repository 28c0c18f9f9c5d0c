— assay/assay-demo z4hh9KwSLGXn6sceIrifT7+pm8KavNOGJkL+zV7Ccyo/XXp5xp2Mi7Dlog0Ls/MHF3us5NwJSEjSj+YgwMUc9WgnLws=
