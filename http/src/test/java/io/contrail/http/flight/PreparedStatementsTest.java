package io.contrail.http.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * The prepared statements Flight SQL clients hold open are bounded per tenant: one tenant preparing more than
 * {@value PreparedStatements#MAX_OPEN_PER_TENANT} closes its own least recently used, never another tenant's.
 */
class PreparedStatementsTest {

    private static final Schema EMPTY = new Schema(List.of());

    @Test
    void aTenantPastItsBoundLosesItsLeastRecentlyUsedStatementAndNoOtherTenantsOne() {
        PreparedStatements statements = new PreparedStatements();
        PreparedStatements.Prepared other = statements.open("other", "SELECT 2", 0, EMPTY);
        List<PreparedStatements.Prepared> shop = new ArrayList<>();
        for (int i = 0; i < PreparedStatements.MAX_OPEN_PER_TENANT; i++) {
            shop.add(statements.open("shop", "SELECT " + i, 0, EMPTY));
        }
        // The first is used again, so the second is now the least recently used.
        assertThat(statements.get(shop.get(0).handle(), "shop").sql()).isEqualTo("SELECT 0");

        statements.open("shop", "SELECT 'one more'", 0, EMPTY);

        assertThatThrownBy(() -> statements.get(shop.get(1).handle(), "shop"))
                .isInstanceOfSatisfying(FlightRuntimeException.class,
                        e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.NOT_FOUND));
        assertThat(statements.get(shop.get(0).handle(), "shop").sql()).isEqualTo("SELECT 0");
        assertThat(statements.get(shop.get(2).handle(), "shop").sql()).isEqualTo("SELECT 2");
        assertThat(statements.get(other.handle(), "other").sql()).isEqualTo("SELECT 2");
        assertThatThrownBy(() -> statements.get(other.handle(), "shop")).isInstanceOf(FlightRuntimeException.class);
    }
}
