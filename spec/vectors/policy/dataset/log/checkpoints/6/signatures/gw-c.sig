— assay/assay-policy-vectors 736gaz+CU71lvDGSNYds9ob/XtEL7H9o7cKtEyzEfLirHOQu5GFGDOnzZhaHe9CPGHULA+kU5a7/hlOgqhlZw4d7+wY=
