— assay/assay-demo iltp06OJ/onAdYIxqWkf3+fJ+m+6q7SFP4M7z1XNmj5hlugu9TbaZaq/d0rD+wmertXksdn38ydiwr5os5Xq0CxYqwQ=
