— assay/assay-demo iltp0+eMdMMfl6xirupiIwayuvMwf/qwimKaY1lyQftTOW/f0oAHiMev9QfvYdalMCDfekyxHWaH62NF/VHT/tx3lAg=
