— assay/assay-demo iltp00s0hx/uXH+I/xxVNw5RqW4AUi7GsF5Zr6Lnm7a/4aXhZPjp+atq6yUS0MHUQhH+U0DdsY7tzSHUnd324NTJ8A8=
