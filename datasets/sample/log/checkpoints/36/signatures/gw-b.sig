— assay/assay-demo iltp00anyJArEjPJG3ewlfQl4/i/8/tPAAIhkSeVd1qJ/YsFvjF/YagRrqiXJH1wm5FL7p6TFaOx+oN+bs+GMEbXkwA=
