// Package xmlx holds the small, lenient XML helpers the bbbkit decoders share:
// walking the children of an element, reading text content, numbers that may
// carry thousands separators, booleans, millisecond timestamps that may be
// empty, and elements whose child names are data (BigBlueButton's <metadata>
// and <customdata>).
package xmlx
