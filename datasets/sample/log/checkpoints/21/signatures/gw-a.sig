— assay/assay-demo ND0ANjBN+1UvEdpFY35Y4sYKxPV4+r/oeglis85+DaqKD4Sfk2WpXHCvQXlD9+fQ69j36kDICwYmmr3Fr/stHA0//gA=
