package i18n

// pageMessages are the strings of the pages and of their scripts.
var pageMessages = map[string][2]string{}
