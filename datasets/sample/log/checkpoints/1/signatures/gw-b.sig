— assay/assay-demo iltp02z2H8fw+JL9iuesnfq8FuJbWN68//FzTXVQltn1sR/RG86SQNQT/yQ9c2Q69zBgUZk423nmow5WNmeu/SGFRAM=
