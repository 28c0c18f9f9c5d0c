— assay/assay-demo ND0ANqpEl1NtptHDLgJsjG0XB3M+x/jbDLOqHRFXFg+YdLPObnvekB06ao+c3Y4vvZDdm6YO6+1VfcgA2DyhZayR3wY=
