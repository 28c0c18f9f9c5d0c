— assay/assay-demo iltp0wp+X8RnToVjcpNTeybStFEZl/Zi0Tufy5r+w/D/BxjAvkoDibMfzjlQ2x8Bn4xc3xMcUG6aZbkkLdpAxyygkQ4=
