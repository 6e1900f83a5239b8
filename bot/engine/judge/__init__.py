"""Whether to answer at all: the null model of everyday questions, the evidence, the judge."""
