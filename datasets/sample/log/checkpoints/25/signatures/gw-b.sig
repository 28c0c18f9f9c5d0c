— assay/assay-demo iltp0+tnImqbVVE9C+L/hPFa01nx+uQrsTZ/2EcVQWtJyQfAKRYiezF4Yac9vo6CQvguEx7NLC7YRqYyEFDvk3XOhQU=
