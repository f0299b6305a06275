"""Interoperability: envelopes signed by implementations independent of the hub (xmlsec1, the JDK), verified by it."""
