— assay/assay-demo z4hh9GuZCYUXgKKt9KWolsrKHF0qW6ZG07LfG15dbYO0v+7/h/NyHm++Wx1YOy9KFwsUCPyaX1wZI+2Ivz8/7OlaaAY=
