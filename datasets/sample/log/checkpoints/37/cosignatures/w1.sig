— witness.assay-demo.invalid/w1 f5qDZQAAAABpXcwwKWsCXRnfA+GaVquhpid1COlT4/qfJfmkleQOtC9Cn/UDTglJQh/isFb4A/jGgvTO7TgBaVNetXR4V/v6i3ltBQ==
