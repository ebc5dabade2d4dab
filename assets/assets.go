// Package assets holds the static files every page needs, embedded in the
// binary so that nothing is loaded from outside the hall's LAN: stylesheets,
// small scripts, the recorded voice clips.
package assets

import "embed"

// FS holds css/, js/ and voice/.
//
//go:embed css js voice
var FS embed.FS
