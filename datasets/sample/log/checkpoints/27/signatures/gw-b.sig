— assay/assay-demo iltp0/GjjuwTkE4eN/P/losWmxuzHSZ9ydanfEYHNIKFCZwyxz44VwQ+D994l4m1PRdUUAaVtiaoaa+SO0vsCpZz2AA=
