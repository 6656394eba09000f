package io.goldylox.samples.hibernate;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/**
 * A product row, kept in Hibernate's second-level cache region {@code products} (a Goldylox cache declared in
 * {@code hibernate-goldylox.conf}). READ_WRITE: Hibernate soft-locks the entry while a transaction updates the row,
 * so no session reads a stale product from the cache.
 */
@Entity
@Table(name = "products")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE, region = SecondLevelCacheSample.REGION)
public class Product {

  @Id
  private Long id;
  private String name;
  private BigDecimal price;

  protected Product() {
    // for Hibernate
  }

  public Product(Long id, String name, BigDecimal price) {
    this.id = id;
    this.name = name;
    this.price = price;
  }

  public Long getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public BigDecimal getPrice() {
    return price;
  }

  public void setPrice(BigDecimal price) {
    this.price = price;
  }

  @Override
  public String toString() {
    return "Product[" + id + ", " + name + ", " + price + "]";
  }
}
