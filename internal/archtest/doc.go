// Package archtest holds the test that the packages' imports point one way
// only: down from the program to the engine, the planner, the readers, the
// journal and the client, never back up.
package archtest
