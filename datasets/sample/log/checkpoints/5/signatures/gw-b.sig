— assay/assay-demo iltp0+gzPFD1vba01PT5665nlyozbuMrsbQMwg7q8kY9y/GFFHBWtdrKxQY+GArn/5cz5zeQ5p+o4JDHdqoQWM3/xAo=
