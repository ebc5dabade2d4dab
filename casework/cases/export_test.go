package cases

// TakenForVague reports whether Classify answers text with ErrVague, by the
// test Classify makes before the model reads the text (the model's scoring,
// the expensive part, is not run: TestVagueText checks every corpus line).
func (c *Catalog) TakenForVague(text string) bool {
	p := prepare(text)
	rt := p.joined()
	return takenForVague(text, rt, c.index().ruleInputsOf(rt, len(c.Items)))
}
