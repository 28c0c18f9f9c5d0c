— assay/assay-demo ND0ANr6+XIeMH32nmravrgO9RGBul+E6c1hf/j7nTrgicPbG8bHfAUr9XL/GNxCKYdpMEj/lozv8/RAEwrUup5Q9Rws=
