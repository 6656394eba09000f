/**
 * Goldylox configuration: the HOCON file a cache manager's URI names, and its programmatic twin.
 *
 * <ul>
 *   <li>{@link io.goldylox.config.ConfigLoader#load} reads the file ({@code file:}, {@code classpath:},
 *       {@code jar:file:...!/}, {@code jar:nested:}, a bare path; {@code urn:} means no file) into a
 *       {@link io.goldylox.config.GoldyloxFileConfig}: the {@code goldylox.default} block
 *       ({@link io.goldylox.config.Defaults}) and the caches declared under {@code goldylox.caches}, each a
 *       {@link io.goldylox.config.GoldyloxConfiguration} with the default block already applied.
 *   <li>Every key is checked against a whitelist ({@code KeySchema}); an unknown key, a wrong type, an impossible
 *       size or an unknown class is a {@link io.goldylox.config.ConfigurationException} naming the file, the full
 *       key path and the reason.
 *   <li>{@link io.goldylox.config.GoldyloxConfiguration#merge} applies the default block to a configuration
 *       passed to {@code createCache} at runtime; its class comment states the rule.
 * </ul>
 *
 * <pre>{@code
 * goldylox {
 *   default {                         # every key optional
 *     store-by-value = true
 *     statistics = false
 *     management = false
 *     heap.max-entries = 10000        # absent = unbounded
 *     off-heap.size = 64MiB           # absent = no off-heap tier
 *     disk { path = "/var/cache/app", size = 1GiB }   # a root: each cache gets <path>/<cache name>
 *     on-incompatible = fail          # or wipe
 *   }
 *   caches {
 *     orders {
 *       key-type = "java.lang.Long"   # default java.lang.Object
 *       value-type = "java.lang.String"
 *       store-by-value, statistics, management, on-incompatible   # as in default
 *       heap.max-entries = 10000      # = null: unbounded even if the default block bounds it
 *       off-heap.size = 64MiB         # off-heap = null: no off-heap tier even if the default block has one
 *       disk { path = "/var/cache/app/orders", size = 1GiB }   # this cache's own directory; disk = null: none
 *       expiry { after-write = 10m }  # or after-access = 10m, or policy = "<ExpiryPolicy or Factory class>"
 *       read-through.loader = "com.example.OrderLoader"    # CacheLoader or Factory<CacheLoader>
 *       write-through.writer = "com.example.OrderWriter"   # CacheWriter or Factory<CacheWriter>
 *       listeners = [ { class = "com.example.Audit", filter = "com.example.Filter", synchronous = false,
 *                       old-value = true } ]
 *       write-behind { ... }          # see WriteBehindConfig; excludes write-through
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>{@code expiry.after-write} is {@link javax.cache.expiry.ModifiedExpiryPolicy} (since creation or last
 * update); {@code expiry.after-access} is {@link javax.cache.expiry.TouchedExpiryPolicy} (since creation, last
 * read or last update). Relative paths are resolved against the working directory when the file is loaded.
 */
package io.goldylox.config;
