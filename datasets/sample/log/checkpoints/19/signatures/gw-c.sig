— assay/assay-demo z4hh9OoT1is0n/6KehfwDWgrEDs/oll7gmLkOUH9RNN9qYFJpObT/qJewEsNIa5c/hb2FiB097KooTCluQ+oKlVWPwU=
