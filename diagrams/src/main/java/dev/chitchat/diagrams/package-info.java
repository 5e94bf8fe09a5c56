/** Lamport space-time diagrams and clock-condition checks for Chitty-Chat runs. */
package dev.chitchat.diagrams;
