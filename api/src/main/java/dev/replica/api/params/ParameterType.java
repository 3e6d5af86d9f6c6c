package dev.replica.api.params;

/** The value types a plugin parameter can have. */
public enum ParameterType {
    /** A 32-bit integer. */
    INTEGER("an integer", "integer"),
    /** A double-precision number; integers are accepted. */
    REAL("a number", "number"),
    /** {@code true} or {@code false}. */
    BOOLEAN("a boolean (true or false)", "boolean"),
    /** A string. */
    STRING("a string", "string"),
    /** A list of integers. */
    INTEGER_LIST("a list of integers", "list of integers"),
    /** A list of numbers. */
    REAL_LIST("a list of numbers", "list of numbers");

    private final String phrase;
    private final String shortName;

    ParameterType(String phrase, String shortName) {
        this.phrase = phrase;
        this.shortName = shortName;
    }

    /**
     * Returns the type as a phrase for messages, e.g. {@code an integer}.
     *
     * @return the phrase
     */
    public String phrase() {
        return phrase;
    }

    /**
     * Returns the type's short name for tables, e.g. {@code integer}.
     *
     * @return the short name
     */
    public String shortName() {
        return shortName;
    }

    /**
     * Returns whether values of this type are lists.
     *
     * @return {@code true} for list types
     */
    public boolean isList() {
        return this == INTEGER_LIST || this == REAL_LIST;
    }

    /**
     * Returns the type of one element: itself for scalars, the element type for lists.
     *
     * @return the element type
     */
    public ParameterType elementType() {
        switch (this) {
            case INTEGER_LIST:
                return INTEGER;
            case REAL_LIST:
                return REAL;
            default:
                return this;
        }
    }
}
