— assay/assay-demo z4hh9DShfSp8JckD11kxB69cssIBAx802AeDVph3MxpZEaRlOpD7vFRfd5+0oFvLYv+a/Yx2s5C/mNmlG4+G+S0zpQc=
