"""XML digital signatures (XMLDSig with signxml): signing, verification against a trust store, reports."""
