package dev.jgunicorn.sidecar;

/**
 * One statsd line as Gunicorn's statsd logger writes it: {@code NAME:VALUE|TYPE[|@RATE][|#TAGS]}, TYPE one of
 * c (counter), g (gauge; a leading sign makes it relative), ms (timer) or h (histogram). DogStatsD tags are
 * static in Gunicorn (dogstatsd_tags), so they are accepted and dropped.
 */
record StatsdLine(String name, double value, String type, double rate, boolean relative) {

    /** The line parsed, or null when it is not a statsd line (no colon, unknown type, a value that is no number). */
    static StatsdLine parse(String line) {
        int colon = line.indexOf(':');
        int bar = line.indexOf('|', colon + 1);
        if (colon <= 0 || bar < 0) return null;
        String[] fields = line.substring(bar + 1).split("\\|", -1);
        String type = fields[0];
        if (!type.equals("c") && !type.equals("g") && !type.equals("ms") && !type.equals("h")) return null;
        double rate = 1;
        for (int i = 1; i < fields.length; i++) {
            if (fields[i].startsWith("@")) {
                rate = number(fields[i].substring(1));
                if (!(rate > 0 && rate <= 1)) return null;
            } else if (!fields[i].startsWith("#")) {
                return null;
            }
        }
        String text = line.substring(colon + 1, bar);
        double value = number(text);
        if (Double.isNaN(value) || Double.isInfinite(value)) return null;
        boolean relative = type.equals("g") && (text.startsWith("+") || text.startsWith("-"));
        return new StatsdLine(line.substring(0, colon), value, type, rate, relative);
    }

    private static double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
