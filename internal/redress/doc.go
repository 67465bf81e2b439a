// Package redress is the vocabulary of the product: complaints, allegations, the MOA
// registry, audit events and the errors they produce. It imports only the standard library,
// so every other package can depend on it and it depends on none of them.
package redress
