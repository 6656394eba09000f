package io.goldylox.serialization.other;

import java.io.Serializable;

/** A key of a class no test policy allows unless it names this package: a value class with equality. */
public record Badge(String id) implements Serializable {}
