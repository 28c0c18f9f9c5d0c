— assay/assay-demo ND0ANtxZDeHSjz7IiUvyh6V+HfNEBzbt+Oo0+KxI74zpMdN4+NucO5QYaNzu+ede29GtmMv0xVFp9M1yX/O845ZPGg4=
