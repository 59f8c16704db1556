// Package pglock names the PostgreSQL advisory locks the program takes, in
// one place, so that no two uses ever share a key: a session holding one
// lock would otherwise wait forever for another use of the same key (the
// active instance holds Active for its whole life). Each lock is taken as
// (class, hashtext(current_schema())), so installations in different
// schemas of one database do not exclude each other.
package pglock

const (
	// Migrations serialises the store's schema migrations across
	// instances starting at once (store/dialect.go).
	Migrations = 2026111700
	// Active is held by the active instance for as long as it is active
	// (package leader).
	Active = 2026111701
	// DeviceUpgrade serialises whatsmeow's schema upgrades of the shared
	// device store (whatsapp/devices.go).
	DeviceUpgrade = 2026111702
)
