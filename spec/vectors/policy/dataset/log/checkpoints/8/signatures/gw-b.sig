— assay/assay-policy-vectors N0+4jDDhE0lXm2MgVkTlF7ERrW+x+YWU0Eft54WLLlggWrKTOSsLE6yvneabstnFVrreQvVVPAc/aamws8xpKw6+JgI=
