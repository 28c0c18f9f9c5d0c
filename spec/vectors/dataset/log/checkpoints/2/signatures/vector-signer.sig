— assay/assay-vectors yD8kJLTPtwBarkZ6bA0G4InXPeWDS5jvSPx1Hb//2EFYq/Zmc/jBFk9WU57eBaq2zr6w/0dsm6cUYDexPCEv1PWJvwA=
