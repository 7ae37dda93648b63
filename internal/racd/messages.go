package racd

import "fmt"

// The exact validation messages authentik (Django REST framework) sends. Clients and
// tests match them byte for byte.
const (
	MsgRequired       = "This field is required."
	MsgNull           = "This field may not be null."
	MsgBlank          = "This field may not be blank."
	MsgNotString      = "Not a valid string."
	MsgNotBoolean     = "Must be a valid boolean."
	MsgNotInteger     = "A valid integer is required."
	MsgNegativeExpiry = "Duration must not be negative."
	MsgEmptyList      = "This list may not be empty."
	MsgInvalidSlug    = "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
	MsgNotDictStatic  = "Value must be a dictionary, and not have any duplicate keys."
	MsgNoData         = "No data provided"
	MsgConnLimit      = "Maximum connection limit reached."
	MsgBadDatetime    = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)

// MsgInvalidUUID is Django's message for a string that is not a UUID.
func MsgInvalidUUID(v string) string { return "“" + v + "” is not a valid UUID." }

// MsgDoesNotExist is DRF's message for a primary key that names no object.
func MsgDoesNotExist(v string) string { return `Invalid pk "` + v + `" - object does not exist.` }

// MsgIncorrectPKType is DRF's message for a primary key of the wrong JSON type.
func MsgIncorrectPKType(pyType string) string {
	return "Incorrect type. Expected pk value, received " + pyType + "."
}

// MsgNotAList is DRF's message for a many-relation that is not a list.
func MsgNotAList(pyType string) string {
	return `Expected a list of items but got type "` + pyType + `".`
}

// MsgNotADict is DRF's message for a dictionary field given another type.
func MsgNotADict(pyType string) string {
	return `Expected a dictionary of items but got type "` + pyType + `".`
}

// MsgBadDuration is authentik's message for a connection_expiry it cannot parse.
func MsgBadDuration(v string) string {
	return v + " is not in the correct format of 'hours=3;minutes=1'."
}

// MsgInvalidChoice is DRF's message for a value outside a ChoiceField's choices.
func MsgInvalidChoice(v string) string { return `"` + v + `" is not a valid choice.` }

// MsgMaxLength is DRF's message for a string longer than allowed.
func MsgMaxLength(n int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", n)
}

// MsgUnique is Django's message for a unique field, e.g. "provider with this name already exists.".
func MsgUnique(model, field string) string {
	return model + " with this " + field + " already exists."
}
