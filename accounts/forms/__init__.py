"""Portal forms of accounts: they check the shape of input; services check the rules."""
