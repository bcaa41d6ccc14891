// Package every runs a function at once and then at a fixed interval until
// a context ends: the loop of the webhooks reconcilers and pollers.
package every
