package dev.pacer.anthropic.internal;

/**
 * The input corrections of one model class, one per content kind: what turns the
 * {@link CharacterModel}'s figure into what the provider counts. A tokenizer that is generous with
 * code and stingy with prose is learned as such, where one factor per class would settle on their
 * average and be wrong for both.
 *
 * <p>Learning: the log error {@code ln(actual / predicted)} of a settled call is shared among the
 * kinds the request contained, in proportion to each kind's part of the prediction, with a step of
 * {@code 1/(n+1)} for a kind's first 20 samples and 0.05 after (the first answers move it fast,
 * later ones smooth it). A single error is clipped to a factor of 4, so one broken answer cannot
 * make every later estimate absurd. Until there is evidence a kind over-estimates a little (x1.15,
 * then x1.1 below 10 samples, x1.02 after): an under-estimate costs a 429, an over-estimate only a
 * wait. Thread-safe (one lock per class).
 */
public final class KindCorrections {

    private static final double MAX_LOG_ERROR = Math.log(4);

    private final double[] logCorrection = new double[CharacterModel.KINDS]; // per kind: smoothed ln(actual / raw)
    private final double[] weight = new double[CharacterModel.KINDS];        // per kind: samples seen, each counted by its share
    private double error = Double.NaN;

    /** A kind's correction with its safety margin. */
    public synchronized double correction(int kind) {
        double n = weight[kind];
        return Math.exp(logCorrection[kind]) * (n < 1e-9 ? 1.15 : n < 10 ? 1.1 : 1.02);
    }

    /** The corrected input of a request whose raw figures per kind are {@code kinds}. */
    public synchronized double predict(double[] kinds) {
        double p = 0;
        for (int k = 0; k < kinds.length; k++) {
            if (kinds[k] > 0) {
                p += kinds[k] * correction(k);
            }
        }
        return p;
    }

    /** Learns from a settled call: its raw figures per kind and the input the provider counted. */
    public synchronized void learn(double[] kinds, long actualInput) {
        double corrected = 0;
        for (int k = 0; k < kinds.length; k++) {
            corrected += kinds[k] * Math.exp(logCorrection[k]);
        }
        if (!(corrected > 0) || actualInput <= 0) {
            return;
        }
        double predicted = predict(kinds);
        double relError = Math.abs(predicted - actualInput) / actualInput;
        error = Double.isNaN(error) ? relError : 0.9 * error + 0.1 * relError;
        double logError = Math.max(-MAX_LOG_ERROR, Math.min(MAX_LOG_ERROR, Math.log(actualInput / corrected)));
        for (int k = 0; k < kinds.length; k++) {
            double share = kinds[k] * Math.exp(logCorrection[k]) / corrected;
            if (share <= 0) {
                continue;
            }
            double alpha = weight[k] < 20 ? 1.0 / (weight[k] + 1) : 0.05;
            logCorrection[k] += alpha * share * logError;
            weight[k] += share;
        }
    }

    /** The smoothed mean absolute relative error of the predictions learned from (0.1 = 10%), NaN before any. */
    public synchronized double error() {
        return error;
    }
}
