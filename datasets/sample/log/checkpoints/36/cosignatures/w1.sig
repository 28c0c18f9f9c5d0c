— witness.assay-demo.invalid/w1 f5qDZQAAAABpXHqw3TRc22VTVZOrqAiV5+aJdwkGeyoD9+poZy9taLK4adj8Yyo/a5/RVDPc3z0IbzuXb9H5kjurCeE4wlKWUgEuCQ==
