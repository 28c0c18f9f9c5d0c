— assay/assay-demo z4hh9KrYQ+thtRroc+DMg09wz1rm/3oScNarz+qXKmYU0lw46GzWsOLW9k0InEIH+idAM6JjIj06nBrrvUZPJjDdDgI=
