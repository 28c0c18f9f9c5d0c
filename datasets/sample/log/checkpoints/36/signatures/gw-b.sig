— assay/assay-demo iltp04GyJu7rbhILXad/v/Rlc2p7Lty+QXaplTDsLJLpEdknIe9VqA/4kUcIMox8NzpXrU+I6rVbBvW/s7s7fExupAA=
